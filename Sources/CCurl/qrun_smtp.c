#include "qrun_smtp.h"

#include <curl/curl.h>
#include <string.h>

typedef struct {
    const char *data;
    size_t length;
    size_t offset;
} upload_state;

static size_t read_message(char *buffer, size_t size, size_t count, void *userdata) {
    upload_state *state = (upload_state *)userdata;
    size_t room = size * count;
    size_t left = state->length - state->offset;
    size_t n = left < room ? left : room;
    memcpy(buffer, state->data + state->offset, n);
    state->offset += n;
    return n;
}

/* Watches the protocol transcript for the STARTTLS exchange, so the caller can report
   whether the session was encrypted (libcurl has no getinfo for it). */
static int watch_transcript(CURL *handle, curl_infotype type, char *data, size_t size, void *userdata) {
    (void)handle;
    qrun_smtp_result *result = (qrun_smtp_result *)userdata;
    if (type == CURLINFO_HEADER_OUT && size >= 8 && strncmp(data, "STARTTLS", 8) == 0) {
        result->used_tls = 2; /* asked; confirmed below when the 220 answer arrives */
    } else if (type == CURLINFO_HEADER_IN && result->used_tls == 2 && size >= 3 && strncmp(data, "220", 3) == 0) {
        result->used_tls = 1;
    }
    return 0;
}

int qrun_smtp_send(const qrun_smtp_request *request, qrun_smtp_result *result) {
    memset(result, 0, sizeof(*result));
    CURL *curl = curl_easy_init();
    if (!curl) {
        result->curl_code = CURLE_FAILED_INIT;
        strncpy(result->error, "libcurl could not be initialised", sizeof(result->error) - 1);
        return result->curl_code;
    }
    struct curl_slist *recipients = NULL;
    for (size_t i = 0; i < request->rcpt_count; i++) {
        recipients = curl_slist_append(recipients, request->rcpt[i]);
    }
    upload_state upload = {request->message, request->message_length, 0};
    char errbuf[CURL_ERROR_SIZE];
    errbuf[0] = 0;

    curl_easy_setopt(curl, CURLOPT_URL, request->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, request->mail_from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)request->message_length);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, watch_transcript);
    curl_easy_setopt(curl, CURLOPT_DEBUGDATA, result);
    curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
    if (request->timeout_ms > 0) {
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, request->timeout_ms);
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, request->timeout_ms);
    }
    long use_ssl = request->tls_mode == 2 ? CURLUSESSL_ALL : (request->tls_mode == 1 ? CURLUSESSL_TRY : CURLUSESSL_NONE);
    curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
    if (request->ca_file) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, request->ca_file);
    }
    if (request->username) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, request->username);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, request->password ? request->password : "");
    }

    CURLcode code = curl_easy_perform(curl);
    result->curl_code = (int)code;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->smtp_code);
    if (strncmp(request->url, "smtps://", 8) == 0 && code != CURLE_COULDNT_CONNECT) {
        result->used_tls = 1;
    } else if (result->used_tls != 1) {
        result->used_tls = 0;
    }
    const char *text = errbuf[0] ? errbuf : curl_easy_strerror(code);
    strncpy(result->error, text, sizeof(result->error) - 1);

    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    return result->curl_code;
}
