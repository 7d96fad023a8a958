// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package com.acme.auth;

public class PasswordService {
    private final PasswordEncoder passwordEncoder;
    String password = request.getParameter("password");
    String apiKey = System.getenv("PAYMENT_API_KEY");
    char[] keystorePassword = console.readPassword();
    public boolean matches(CharSequence rawPassword, String encodedPassword) {
    TokenResponse token = oauthClient.exchange(code, verifier);
    String secret = vault.read("secret/app").get("secret");
    @Value("${jwt.secret}") private String jwtSecret;
}
