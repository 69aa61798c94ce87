/*
 * schema.h: the text of schema.sql, compiled in by the Makefile.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

extern const char schema_sql[];

#endif
