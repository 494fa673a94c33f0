#ifndef QRUN_HTTP_H
#define QRUN_HTTP_H

#include <stddef.h>

/* One HTTP exchange through a libcurl easy handle, for qrun's HTTP transport. A C shim because
   curl_easy_setopt is variadic and its callbacks are C. The body kept is capped while it is read
   (the transfer is aborted past the cap, so memory stays bounded however fast the server sends),
   the whole exchange has a deadline, redirects are never followed, TLS is verified, and a cancel
   flag is polled during the transfer. */

typedef struct {
    const char *method;                  /* "GET", "POST", … */
    const char *url;
    const char *const *headers;          /* "Name: value" lines */
    size_t header_count;
    const unsigned char *body;           /* NULL: none */
    size_t body_length;
    size_t body_limit;                   /* bytes of the answer's body kept */
    long deadline_ms;                    /* the whole exchange */
    const int *cancel;                   /* polled: non-zero aborts the transfer */
} qrun_http_request;

typedef struct {
    int curl_code;                       /* CURLcode; 0 on success */
    long status;                         /* HTTP status, 0 if none */
    unsigned char *body;                 /* malloc'd, body_length bytes; free with qrun_http_result_free */
    size_t body_length;
    int truncated;                       /* the server sent more than body_limit */
    char *headers;                       /* malloc'd raw header block of the final response */
    size_t headers_length;
    char error[256];                     /* curl's error text */
} qrun_http_result;

/* A new easy handle (connections it opened are reused by the next request on it). */
void *qrun_http_handle_new(void);
void qrun_http_handle_free(void *handle);

/* Performs the request on `handle`; fills `result`. Returns result->curl_code. */
int qrun_http_perform(void *handle, const qrun_http_request *request, qrun_http_result *result);
void qrun_http_result_free(qrun_http_result *result);

/* A cancel flag another thread may set while qrun_http_perform runs. */
int *qrun_http_flag_new(void);
void qrun_http_flag_set(int *flag);
void qrun_http_flag_free(int *flag);

/* CURLcode values the transport classifies. */
enum {
    QRUN_CURLE_UNSUPPORTED_PROTOCOL = 1, QRUN_CURLE_URL_MALFORMAT = 3, QRUN_CURLE_COULDNT_RESOLVE_PROXY = 5,
    QRUN_CURLE_COULDNT_RESOLVE_HOST = 6, QRUN_CURLE_COULDNT_CONNECT = 7, QRUN_CURLE_WRITE_ERROR = 23,
    QRUN_CURLE_OPERATION_TIMEDOUT = 28, QRUN_CURLE_SSL_CONNECT_ERROR = 35, QRUN_CURLE_ABORTED_BY_CALLBACK = 42,
    QRUN_CURLE_GOT_NOTHING = 52, QRUN_CURLE_SEND_ERROR = 55, QRUN_CURLE_RECV_ERROR = 56,
    QRUN_CURLE_PEER_FAILED_VERIFICATION = 60, QRUN_CURLE_SSL_CACERT_BADFILE = 77
};

#endif
