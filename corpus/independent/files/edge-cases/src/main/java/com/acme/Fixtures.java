// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package com.acme;

final class Fixtures {
    static final String LOGIN_JSON = "{\"user\": \"svc_report\", \"password\": \"dEA-.Z!7h+Q_p^^\"}";
    static final String COHERE = "{\"apiKey\":\"6sK2MaR4CoOsJpNJslhdQAgrHdNVqulszd0ktNfj\",\"model\":\"command-r\"}";
}
