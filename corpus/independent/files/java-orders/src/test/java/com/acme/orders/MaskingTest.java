// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package com.acme.orders;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MaskingTest {
    @Test
    void masksApiKeys() {
        String masked = Masking.mask("sk_live_abcdef");
        assertThat(masked).isEqualTo("sk_live_****");
    }

    @Test
    void neverLogsPasswords() {
        String log = Masking.scrub("login user=bob password=hunter2");
        assertThat(log).doesNotContain("hunter2").contains("password=******");
    }

    @Test
    void tokenHashIsStable() {
        assertThat(Tokens.sha256("fixture")).isEqualTo("791db29457be4967de12412f1ff6c3f82e037fb7369cb06ee14d6157c71e2018");
    }
}
