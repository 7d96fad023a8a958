// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
plugins {
    java
    `maven-publish`
}

repositories {
    mavenCentral()
    maven {
        url = uri("https://maven.pkg.github.com/acme/shared-libs")
        credentials {
            username = "acme-ci"
            password = "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"
        }
    }
    maven {
        url = uri("https://nexus.corp.example/repository/maven-public/")
        credentials {
            username = findProperty("nexusUser") as String?
            password = findProperty("nexusPassword") as String? ?: System.getenv("NEXUS_PASSWORD")
        }
    }
}
