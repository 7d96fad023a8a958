# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import pytest

from billing.logging import redact, mask_card

EXAMPLE_STRIPE_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"  # Stripe's documented test key


def test_redacts_bearer_tokens():
    assert redact("Authorization: Bearer abc.def") == "Authorization: Bearer ***"


def test_redacts_password_fields():
    line = "user=alice password=<secret>"
    assert "password=[REDACTED]" in redact(line)


def test_mask_card():
    assert mask_card("4242424242424242") == "************4242"


@pytest.mark.parametrize("field", ["password", "api_key", "token", "secret"])
def test_sensitive_field_names(field):
    assert redact(f"{field}=x") == f"{field}=[REDACTED]"
