# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
from app.scrubber import scrub

def test_scrub_token():
    assert scrub("token=abc") == "token=[FILTERED]"

def test_scrub_header():
    assert scrub("Authorization: Bearer x") == "Authorization: Bearer [FILTERED]"

def test_scrub_url_password():
    assert scrub("postgres://u:p@h/db") == "postgres://u:****@h/db"

def test_keeps_hashes():
    digest = "1448896e300921e3c19a826f7e6275140764bb1a678ff300b11b9f6015bcbb8a"
    assert scrub(f"sha256={digest}") == f"sha256={digest}"

def test_placeholder_untouched():
    assert scrub("api_key=<your-key>") == "api_key=<your-key>"
