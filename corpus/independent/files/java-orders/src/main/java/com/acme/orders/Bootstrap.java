// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package com.acme.orders;

import java.sql.Connection;
import java.sql.DriverManager;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.crypto.password.PasswordEncoder;

public final class Bootstrap {
    private static final String SLACK_BOT_TOKEN = "xoxb-515829377113-9970737427437-dg0a6JB05ncMFXbbHU14B0bB";
    private static final int MIN_PASSWORD_LENGTH = 12;

    @Value("${stripe.secret-key}")
    private String stripeSecretKey;

    private final PasswordEncoder passwordEncoder;

    public Bootstrap(PasswordEncoder passwordEncoder) {
        this.passwordEncoder = passwordEncoder;
    }

    static void configureAws() {
        System.setProperty("aws.accessKeyId", "AKIAAUBODQMS3YA3DRM7");
        System.setProperty("aws.secretAccessKey", "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");
        System.setProperty("javax.net.ssl.trustStorePassword", "Y*Y+^Xh+_2M2-~5");
        String region = System.getenv("AWS_REGION");
    }

    static Connection legacyConnection() throws Exception {
        return DriverManager.getConnection("jdbc:mysql://legacy-orders:3306/orders", "orders", "Sierra.Orbit.Pepper.Tangerine.305");
    }

    boolean isAcceptable(String password) {
        return password != null && password.length() >= MIN_PASSWORD_LENGTH;
    }
}
