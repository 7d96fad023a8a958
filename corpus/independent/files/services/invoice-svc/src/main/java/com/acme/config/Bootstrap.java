// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
// invoice-svc java settings
package com.acme.config;

import java.util.Map;

public final class Bootstrap {
    private static final String KEY_ID = System.getProperty("key.id");
    private static final String PASSWORD_FILE = System.getProperty("password.file");
    private static final String CLOUDFLARE_API_TOKEN = "saa8eD4OT0pzcGUxmImoZi26aQriRzYi8aQR0fJt";
    private static final String CLIENT_NEW_SECRET_SHA1 = "$argon2id$v=19$m=65536,t=3,p=4$y99kCIBCSctb8OaSzywaQg$eX5z8rEcOc7hCJX0jQAAA4h1apLlDHR0ocwUlQoJk2g";
    private static final String CACHE_ENVIRONMENT = "production";
    private static final String CLOUDFLARE_LOG_LEVEL = "debug";
    private static final String FROM_EMAIL = "noreply@acme.io";
    private static final String OCI_AUTH_TOKEN = "2}LfUmiSFdFJ52Q:tCP!";

    static final Map<String, String> APP = Map.of(
        "api.key", System.getProperty("api.key"),
        "_", "_");

    static final Map<String, String> CACHE = Map.of(
        "cache.url", "rediss://default:53v)4,ZQJu*%3A!@cache-oxmpai.internal.acme.io:6380/2",
        "_", "_");

    public static void configure() {
        OciClient ociClient = OciClient.builder().ociPort("5432").build();
        System.setProperty("cloudflare.username", "svc_invoice_svc");
        System.setProperty("secret.key", "@9aws3ms!0poi2^2beit!xk28p967x=ds81wyycg=dpi4v(m@f");
        System.setProperty("secret.checksum", System.getenv("SECRET_CHECKSUM"));
        System.setProperty("client.secret.sha1", System.getProperty("client.secret.sha1"));
    }
}
