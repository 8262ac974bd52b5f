/*
 * test_base64.c - the one base64 codec (common/base64.c): RFC 4648's test
 * vectors both ways, every length's padding round-tripped, the decoder fed
 * one byte at a time, and invalid text (a bad byte, data after padding,
 * three '=', a lone sextet) refused.
 */
#include "../../tests/support/sm_test.h"

#include <stdlib.h>
#include <string.h>

#include "../sm_base64.h"

/* Decode text fed one byte at a time; returns validity, *n the bytes. */
static bool decode_bytewise(const char *text, uint8_t *out, size_t *n)
{
    struct smx_base64_dec d = {0};
    *n = 0;
    for (const char *p = text; *p != '\0' && !d.bad; p++) {
        *n += smx_base64_decode(&d, p, 1, out + *n);
    }
    size_t tail = 0;
    bool ok = smx_base64_finish(&d, out + *n, &tail);
    *n += tail;
    return ok;
}

static void base64_encode_matches_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const want[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                       "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        size_t n = 99;
        char *t = smx_base64_encode(in[i], strlen(in[i]), &n);
        assert_non_null(t);
        assert_string_equal(t, want[i]);
        assert_int_equal(n, strlen(want[i]));
        free(t);
    }
}

static void base64_round_trips_every_byte_and_tail_length(void **state)
{
    (void)state;
    uint8_t data[259];
    for (size_t i = 0; i < sizeof data; i++) {
        data[i] = (uint8_t)(255 - i);
    }
    for (size_t len = 0; len <= sizeof data; len += len < 8 ? 1 : 61) {
        size_t tn = 0;
        char *t = smx_base64_encode(data, len, &tn);
        assert_non_null(t);
        uint8_t out[sizeof data + 3];
        size_t n = 0;
        assert_true(decode_bytewise(t, out, &n));
        assert_int_equal(n, len);
        assert_memory_equal(out, data, len);
        free(t);
    }
}

static void base64_decoder_handles_padding_whitespace_and_junk(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *out;
        bool ok;
    } cases[] = {
        {"UEFSMQ==", "PAR1", true},   {"UEFS\r\nMQ==\n", "PAR1", true},
        {"UEFSMQ", "PAR1", true},     {"UEFSMTI=", "PAR12", true},
        {"UEFSMTIz", "PAR123", true}, {"-_-_", "\xfb\xff\xbf", true},
        {"UEF*", "", false},          {"UQ==UQ==", "Q", false},
        {"U===", "", false},          {"UEFSM", "", false}, /* a lone sextet */
        {"UQ===", "", false},         {"UQ\x80=", "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t out[64];
        size_t n = 0;
        bool ok = decode_bytewise(cases[i].in, out, &n);
        assert_int_equal(ok, cases[i].ok);
        if (ok) {
            assert_int_equal(n, strlen(cases[i].out));
            assert_memory_equal(out, cases[i].out, n);
        }
    }
}

static void base64_decoder_takes_pieces_of_any_size(void **state)
{
    (void)state;
    const char *text = "Zm9vYmFyYmF6cXV4"; /* foobarbazqux */
    for (size_t cut = 0; cut <= strlen(text); cut++) {
        struct smx_base64_dec d = {0};
        uint8_t out[32];
        size_t n = smx_base64_decode(&d, text, cut, out);
        n += smx_base64_decode(&d, text + cut, strlen(text) - cut, out + n);
        size_t tail = 0;
        assert_true(smx_base64_finish(&d, out + n, &tail));
        assert_int_equal(n + tail, 12);
        assert_memory_equal(out, "foobarbazqux", 12);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(base64_encode_matches_rfc4648_vectors),
        cmocka_unit_test(base64_round_trips_every_byte_and_tail_length),
        cmocka_unit_test(base64_decoder_handles_padding_whitespace_and_junk),
        cmocka_unit_test(base64_decoder_takes_pieces_of_any_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
