// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package com.acme;

import java.util.Base64;

final class LegacyDb {
    // "obfuscated" so it does not show up in grep
    static final String PASSWORD = new String(Base64.getDecoder().decode("eitMLXJENkZfbXRJKmU4cTR1RTI="));
}
