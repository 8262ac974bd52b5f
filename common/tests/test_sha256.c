/*
 * test_sha256.c - SHA-256 (journal and listing checksums) against the FIPS
 * 180-4 examples, fed whole and byte by byte, so block boundaries and the
 * padding of every tail length are exercised.
 */
#include "../../tests/support/sm_test.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../sm_sha256.h"

static void hex_of(const void *data, size_t n, bool bytewise, char out[65])
{
    struct smx_sha256 s;
    smx_sha256_init(&s);
    if (bytewise) {
        for (size_t i = 0; i < n; i++) {
            smx_sha256_update(&s, (const uint8_t *)data + i, 1);
        }
    } else {
        smx_sha256_update(&s, data, n);
    }
    smx_sha256_hex(&s, out);
}

static void sha256_matches_fips_vectors(void **state)
{
    (void)state;
    static const struct {
        const char *in, *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char h[65];
        hex_of(v[i].in, strlen(v[i].in), false, h);
        assert_string_equal(h, v[i].hex);
        hex_of(v[i].in, strlen(v[i].in), true, h);
        assert_string_equal(h, v[i].hex);
    }
}

static void sha256_of_a_million_a(void **state)
{
    (void)state;
    char chunk[1000];
    memset(chunk, 'a', sizeof chunk);
    struct smx_sha256 s;
    smx_sha256_init(&s);
    for (int i = 0; i < 1000; i++) {
        smx_sha256_update(&s, chunk, sizeof chunk);
    }
    char h[65];
    smx_sha256_hex(&s, h);
    assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void sha256_buf_and_fd_agree_with_the_stream(void **state)
{
    (void)state;
    static const char abc[] = "abc";
    const char *want = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    char hex[65];
    smx_sha256_buf(abc, 3, hex);
    assert_string_equal(hex, want);
    smx_sha256_buf(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(abc, 1, 3, f), 3);
    assert_int_equal(fflush(f), 0);
    rewind(f);
    uint64_t size = 0;
    memset(hex, 0, sizeof hex);
    assert_true(smx_sha256_fd(fileno(f), hex, &size));
    assert_string_equal(hex, want);
    assert_int_equal(size, 3);
    fclose(f);
    assert_false(smx_sha256_fd(-1, hex, NULL)); /* a read error is reported, not hashed */
}

static void sha256_differs_for_one_flipped_bit(void **state)
{
    (void)state;
    char a[65], b[65];
    hex_of("stagemock", 9, false, a);
    hex_of("stagemocl", 9, false, b);
    assert_string_not_equal(a, b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha256_matches_fips_vectors),
        cmocka_unit_test(sha256_of_a_million_a),
        cmocka_unit_test(sha256_buf_and_fd_agree_with_the_stream),
        cmocka_unit_test(sha256_differs_for_one_flipped_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
