// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
package com.acme;

final class Connections {
    static final String REDIS = "redis://default:0snTKz:E0aR46j7!cEv@cache.internal:6379/0";
    static final String ORACLE = "jdbc:oracle:thin:reports/Tangerine.Tundra.Oyster.Indigo.4298@//ora-prod.internal:1521/ORCLPDB1";
    static final String EVENT_HUB = "Endpoint=sb://acme-events.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=6iQKNukr42dfmHSKFO8ViMHnSeA0cmXIaAqoMPKMeYU=;EntityPath=orders";
    static final String IOT_HUB = "HostName=acme-iot.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=AS+h80o7E5ldbF5QtOFfB8N6R+C4EfWxuHAiR5b1UN8=";
    static final String SIGNALR = "Endpoint=https://acme-rt.service.signalr.net;AccessKey=mavE8ZAoD/oZl9DrAhCHpaG/INrBM5ysD4/OtbM8iVI=;Version=1.0;";
    static final String COSMOS = "AccountEndpoint=https://acme-docs.documents.azure.com:443/;AccountKey=J5F63gDCd2O3pWmUhC0PcB0AalPIuLMcydo1W1zafG73ulIEXtf3Xr1yOt1bWnjfgqPEw+E719OkW3v7JTyiHg==;";
    static final String SHARE = "smb://backup:jkD-DjuXK;%5DAL%3F5Z9@nas01.corp.local/backups";
}
