/*
 * sasl_auth.c: the binary protocol's SASL exchange, on Cyrus SASL.
 *
 * Configuration is Cyrus's, under the service name "memcached": the file
 * memcached.conf ("mech_list: plain", "sasldb_path: <file>") is looked up
 * in the directory named by the environment variable SASL_CONF_PATH, else
 * in Cyrus's default places; users go into the sasldb with
 * "saslpasswd2 -a memcached -c <user>".  Each connection gets its own
 * sasl_conn_t, made on its first SASL request by the worker that owns
 * the connection and freed when the connection closes; Cyrus's server
 * calls are safe to use from several threads on separate sasl_conn_t
 * objects.  No locks of ours.  Without libsasl2 every call fails.
 */
#include "memcached.h"
#include "sasl_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef ENABLE_SASL
#include <sasl/sasl.h>

struct sasl_session {
    sasl_conn_t *conn;
};

static char *conf_path;

static int get_conf_path(void *context, const char **path)
{
    (void)context;
    *path = conf_path;
    return conf_path != NULL ? SASL_OK : SASL_FAIL;
}

static int sasl_log(void *context, int level, const char *message)
{
    (void)context;
    if (level <= SASL_LOG_ERR)
        log_msg(1, "SASL: %s", message);
    return SASL_OK;
}

/* Cyrus takes every callback as int (*)(void); going through the
 * generic void (*)(void) says the cast is meant. */
#define MC_SASL_CALLBACK(f) ((int (*)(void))(void (*)(void))(f))

static sasl_callback_t callbacks[] = {
    {SASL_CB_LOG, MC_SASL_CALLBACK(sasl_log), NULL},
    {SASL_CB_GETCONFPATH, MC_SASL_CALLBACK(get_conf_path), NULL},
    {SASL_CB_LIST_END, NULL, NULL},
};

bool sasl_available(void)
{
    return true;
}

bool sasl_init(void)
{
    const char *env = getenv("SASL_CONF_PATH");
    int rc;

    if (env != NULL) {
        conf_path = strdup(env);
    } else {
        /* Without it Cyrus uses its own default directories. */
        callbacks[1].id = SASL_CB_LIST_END;
    }
    rc = sasl_server_init(callbacks, "memcached");
    if (rc != SASL_OK) {
        fprintf(stderr, "Error initializing sasl: %s\n",
                sasl_errstring(rc, NULL, NULL));
        return false;
    }
    return true;
}

void sasl_shutdown(void)
{
    sasl_server_done();
    free(conf_path);
    conf_path = NULL;
}

static bool session(struct sasl_session **s)
{
    if (*s != NULL)
        return true;
    *s = calloc(1, sizeof(**s));
    if (*s == NULL)
        return false;
    if (sasl_server_new("memcached", NULL, NULL, NULL, NULL, NULL, 0,
                        &(*s)->conn) != SASL_OK) {
        free(*s);
        *s = NULL;
        return false;
    }
    return true;
}

bool sasl_list_mechs(struct sasl_session **s, const char **out,
                     size_t *len)
{
    unsigned int n;
    int count;

    if (!session(s))
        return false;
    if (sasl_listmech((*s)->conn, NULL, "", " ", "", out, &n, &count) !=
        SASL_OK)
        return false;
    *len = n;
    return true;
}

static enum sasl_step_result result_of(int rc)
{
    if (rc == SASL_OK)
        return SASL_STEP_OK;
    if (rc == SASL_CONTINUE)
        return SASL_STEP_CONTINUE;
    return SASL_STEP_FAIL;
}

enum sasl_step_result sasl_auth_start(struct sasl_session **s,
                                      const char *mech, size_t mechlen,
                                      const char *in, size_t inlen,
                                      const char **out, size_t *outlen)
{
    char name[64];
    unsigned int n = 0;
    int rc;

    *out = NULL;
    *outlen = 0;
    if (mechlen == 0 || mechlen >= sizeof(name) || !session(s))
        return SASL_STEP_FAIL;
    memcpy(name, mech, mechlen);
    name[mechlen] = '\0';
    rc = sasl_server_start((*s)->conn, name, in, (unsigned int)inlen, out,
                           &n);
    *outlen = n;
    return result_of(rc);
}

enum sasl_step_result sasl_auth_step(struct sasl_session **s,
                                     const char *in, size_t inlen,
                                     const char **out, size_t *outlen)
{
    unsigned int n = 0;
    int rc;

    *out = NULL;
    *outlen = 0;
    if (*s == NULL)
        return SASL_STEP_FAIL;
    rc = sasl_server_step((*s)->conn, in, (unsigned int)inlen, out, &n);
    *outlen = n;
    return result_of(rc);
}

void sasl_session_free(struct sasl_session *s)
{
    if (s == NULL)
        return;
    sasl_dispose(&s->conn);
    free(s);
}

#else /* !ENABLE_SASL */

bool sasl_available(void) { return false; }
bool sasl_init(void) { return false; }
void sasl_shutdown(void) { }

bool sasl_list_mechs(struct sasl_session **s, const char **out,
                     size_t *len)
{
    (void)s; (void)out; (void)len;
    return false;
}

enum sasl_step_result sasl_auth_start(struct sasl_session **s,
                                      const char *mech, size_t mechlen,
                                      const char *in, size_t inlen,
                                      const char **out, size_t *outlen)
{
    (void)s; (void)mech; (void)mechlen; (void)in; (void)inlen;
    *out = NULL;
    *outlen = 0;
    return SASL_STEP_FAIL;
}

enum sasl_step_result sasl_auth_step(struct sasl_session **s,
                                     const char *in, size_t inlen,
                                     const char **out, size_t *outlen)
{
    (void)s; (void)in; (void)inlen;
    *out = NULL;
    *outlen = 0;
    return SASL_STEP_FAIL;
}

void sasl_session_free(struct sasl_session *s) { (void)s; }

#endif /* ENABLE_SASL */
