#ifndef QRUN_SMTP_H
#define QRUN_SMTP_H

#include <stddef.h>

/* One SMTP submission through libcurl. A small C shim because curl_easy_setopt is variadic,
   which Swift cannot call. Strings are NUL-terminated UTF-8; NULL means "not set". */
typedef struct {
    const char *url;          /* smtp://host:port or smtps://host:port */
    const char *username;     /* NULL: no AUTH */
    const char *password;
    const char *mail_from;    /* bare address, e.g. qrun@example.org */
    const char *const *rcpt;  /* bare addresses */
    size_t rcpt_count;
    const char *message;      /* the whole RFC 5322 message, CRLF line ends */
    size_t message_length;
    int tls_mode;             /* 0 never, 1 opportunistic (STARTTLS when offered), 2 required */
    const char *ca_file;      /* NULL: the system trust store */
    long timeout_ms;
} qrun_smtp_request;

typedef struct {
    int curl_code;            /* CURLcode */
    long smtp_code;           /* last SMTP reply code, 0 if none */
    int used_tls;             /* 1 when the session ran over TLS (smtps or STARTTLS) */
    char error[256];          /* curl's error text (never holds the password) */
} qrun_smtp_result;

/* Sends the message; fills `result`. Returns result->curl_code. */
int qrun_smtp_send(const qrun_smtp_request *request, qrun_smtp_result *result);

#endif
