// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// notify-worker java settings
package com.acme.config;

import java.util.Map;

public final class Bootstrap {
    private static final String TOKEN_ID = "e1d0097e-ba63-4989-95ea-c45dfc2f71fa";
    private static final String DATABASE_LOG_LEVEL = "warn";
    private static final String FASTLY_BUCKET = "acme-notify-worker-artifacts";
    private static final String API_KEY_HASH = "97ac026b8a3cf854043c802909c24f1b6295bee759971e982e7452f1f37c74d4";
    private static final String PASSWORD_DIGEST = "4fe2a76c202e97d8830f4b5ca5e3e4b76ddcf311b70e1c279fe462642afd0484";
    private static final String SFTP_USERNAME = "app";
    private static final String FASTLY_TIMEOUT_SECONDS = "43";
    private static final String FTP_BUCKET = "acme-notify-worker-artifacts";
    private static final String FASTLY_API_TOKEN = "-35XFTff6WMMla_260ZbP2ixZH5aVq9N";
    private static final String SFTP_RETRIES = "5";
    private static final String FTP_PASS = "Saffronjasper57*";

    static final Map<String, String> DATABASE = Map.of(
        "database.password", "Orbitvortex45*",
        "_", "_");

    static final Map<String, String> SECRET = Map.of(
        "secret.rotation.days", "90",
        "_", "_");

    static final Map<String, String> APP = Map.of(
        "webhook.secret", "example",
        "key.id", System.getProperty("key.id"),
        "_", "_");

    static final Map<String, String> API = Map.of(
        "api.key.header", System.getenv("API_KEY_HEADER"),
        "_", "_");

    public static void configure() {
        System.setProperty("sftp.url", "sftp://api:Q3zbhyGw.Fo5REhEkW9.@files-tqp6ww.partner.example:22/inbound");
        MistralClient mistralClient = MistralClient.builder().mistralApiKey("t6P2CpXCSxqtJq6KrbdukPw1dmltweES").build();
    }
}
