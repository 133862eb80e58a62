/*
 * auth.h: text-protocol authentication (-Y <authfile>).
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stddef.h>

/* Load "user:password" lines; false with a message on failure. */
bool auth_load(const char *path);
bool auth_enabled(void);
/* The value of an authenticating "set": "<user> <password>". */
enum auth_result { AUTH_OK, AUTH_FAILED, AUTH_BAD_FORMAT };
enum auth_result auth_check_token(const char *token, size_t len);
void auth_free(void);

#endif /* AUTH_H */
