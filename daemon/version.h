/*
 * version.h: the release, printed by --version and exported as
 * rotwatch_build_info.
 */
#ifndef VERSION_H
#define VERSION_H

#define ROTWATCH_VERSION	"0.1.0"

#endif
