#include "qrun_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t qrun_http_once = PTHREAD_ONCE_INIT;
static void qrun_http_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct {
    unsigned char *data;
    size_t length, capacity, limit;
    int truncated;
} qrun_buffer;

typedef struct {
    char *data;
    size_t length, capacity;
} qrun_headers;

static int qrun_reserve(unsigned char **data, size_t *capacity, size_t needed) {
    if (needed <= *capacity) return 1;
    size_t cap = *capacity ? *capacity : 4096;
    while (cap < needed) cap *= 2;
    unsigned char *p = realloc(*data, cap);
    if (!p) return 0;
    *data = p;
    *capacity = cap;
    return 1;
}

static size_t qrun_write_body(char *ptr, size_t size, size_t nmemb, void *userdata) {
    qrun_buffer *b = userdata;
    size_t n = size * nmemb;
    size_t room = b->limit > b->length ? b->limit - b->length : 0;
    size_t keep = n < room ? n : room;
    if (keep > 0) {
        if (!qrun_reserve(&b->data, &b->capacity, b->length + keep)) return 0;
        memcpy(b->data + b->length, ptr, keep);
        b->length += keep;
    }
    if (keep < n) {
        /* Past the cap: stop reading now (curl then reports CURLE_WRITE_ERROR). */
        b->truncated = 1;
        return 0;
    }
    return n;
}

static size_t qrun_write_header(char *ptr, size_t size, size_t nmemb, void *userdata) {
    qrun_headers *h = userdata;
    size_t n = size * nmemb;
    /* A new status line starts a new response (100 Continue, a 401 before the real answer). */
    if (n >= 5 && memcmp(ptr, "HTTP/", 5) == 0) h->length = 0;
    if (h->length + n > 64 * 1024) return n; /* headers past 64 KiB are dropped */
    if (!qrun_reserve((unsigned char **)&h->data, &h->capacity, h->length + n + 1)) return 0;
    memcpy(h->data + h->length, ptr, n);
    h->length += n;
    h->data[h->length] = 0;
    return n;
}

static int qrun_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    const int *cancel = clientp;
    return cancel && __atomic_load_n(cancel, __ATOMIC_ACQUIRE) ? 1 : 0;
}

void *qrun_http_handle_new(void) {
    pthread_once(&qrun_http_once, qrun_http_init);
    return curl_easy_init();
}

void qrun_http_handle_free(void *handle) {
    if (handle) curl_easy_cleanup(handle);
}

int qrun_http_perform(void *handle, const qrun_http_request *rq, qrun_http_result *result) {
    memset(result, 0, sizeof *result);
    CURL *curl = handle;
    if (!curl) {
        result->curl_code = CURLE_FAILED_INIT;
        strncpy(result->error, "cannot create a libcurl handle", sizeof result->error - 1);
        return result->curl_code;
    }
    curl_easy_reset(curl); /* keeps the handle's open connections */
    qrun_buffer body = {0};
    body.limit = rq->body_limit;
    qrun_headers headers = {0};
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < rq->header_count; i++) list = curl_slist_append(list, rq->headers[i]);
    /* No 100-continue round trip, no content decoding qrun did not ask for. */
    list = curl_slist_append(list, "Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, rq->url);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, rq->deadline_ms > 0 ? rq->deadline_ms : 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, qrun_write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, qrun_write_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &headers);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, qrun_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)rq->cancel);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, result->error);
    if (strcmp(rq->method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(rq->method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    if (rq->body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_length);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, (const char *)rq->body);
    } else if (strcmp(rq->method, "POST") == 0 || strcmp(rq->method, "PUT") == 0 || strcmp(rq->method, "PATCH") == 0) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
    }

    CURLcode code = curl_easy_perform(curl);
    if (code == CURLE_WRITE_ERROR && body.truncated) code = CURLE_OK;
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(list);

    result->curl_code = code;
    result->status = status;
    result->body = body.data;
    result->body_length = body.length;
    result->truncated = body.truncated;
    result->headers = headers.data;
    result->headers_length = headers.length;
    if (code != CURLE_OK && result->error[0] == 0) {
        strncpy(result->error, curl_easy_strerror(code), sizeof result->error - 1);
    }
    return code;
}

void qrun_http_result_free(qrun_http_result *result) {
    free(result->body);
    free(result->headers);
    result->body = NULL;
    result->headers = NULL;
}

int *qrun_http_flag_new(void) { return calloc(1, sizeof(int)); }
void qrun_http_flag_set(int *flag) { __atomic_store_n(flag, 1, __ATOMIC_RELEASE); }
void qrun_http_flag_free(int *flag) { free(flag); }
