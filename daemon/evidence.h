/*
 * evidence.h: the "export" and "verify" commands: an evidence bundle of
 * one capture, and checking every digest and timestamp of the WARC files.
 */
#ifndef EVIDENCE_H
#define EVIDENCE_H

#include "config.h"

int	cmd_export(const struct config *, int, char **);
int	cmd_verify(const struct config *, int, char **);

#endif
