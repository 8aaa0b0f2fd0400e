/* Names from models and files, made safe to print on a terminal. */
#ifndef PD_CLI_SAFE_NAME_H
#define PD_CLI_SAFE_NAME_H

#include <stddef.h>

/* name itself when every byte of it prints as it is (printable ASCII and well-formed UTF-8
 * other than the C1 controls U+0080..U+009F), else a copy in buf (size > 4) with each
 * other byte written as \xHH, cut with "..." when it does not fit: a model's layer named
 * "a\u001b[2Jb" prints as a\x1b[2Jb rather than clearing the screen. */
const char *cli_safe_name(const char *name, char *buf, size_t size);

/* The size of a buffer that holds any name of up to 64 bytes escaped. */
enum { CLI_NAME_BUF = 4 * 64 + 4 };

#endif
