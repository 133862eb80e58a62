/*
 * sasl_auth.h: SASL authentication for the binary protocol (-S).
 */
#ifndef SASL_AUTH_H
#define SASL_AUTH_H

#include <stdbool.h>
#include <stddef.h>

/* True when this build has Cyrus SASL (configure found libsasl2). */
bool sasl_available(void);
/* Once at start-up with -S; false with a message on failure. */
bool sasl_init(void);
void sasl_shutdown(void);

enum sasl_step_result { SASL_STEP_OK, SASL_STEP_CONTINUE, SASL_STEP_FAIL };

/* Per-connection state (opaque); NULL until the first SASL request. */
struct sasl_session;
/* Space-separated mechanism names into *out (valid until the session
 * ends); false on failure. */
bool sasl_list_mechs(struct sasl_session **s, const char **out,
                     size_t *len);
/* Start (mech given) or continue (step) an exchange; out and outlen are the
 * server's reply data. */
enum sasl_step_result sasl_auth_start(struct sasl_session **s,
                                      const char *mech, size_t mechlen,
                                      const char *in, size_t inlen,
                                      const char **out, size_t *outlen);
enum sasl_step_result sasl_auth_step(struct sasl_session **s,
                                     const char *in, size_t inlen,
                                     const char **out, size_t *outlen);
void sasl_session_free(struct sasl_session *s);

#endif /* SASL_AUTH_H */
