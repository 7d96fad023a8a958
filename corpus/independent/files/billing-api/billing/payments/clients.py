# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
"""Thin wrappers around third-party payment/messaging SDKs."""
import getpass
import os

import anthropic
import boto3
import braintree
import openai
import stripe
import wandb
from twilio.rest import Client as TwilioClient

stripe.api_key = "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"

gateway = braintree.BraintreeGateway(access_token="access_token$production$frl9gpw4qho4z93m$22111066985b03f2b6dac170b0d1633e")

# account SID first, then the auth token
sms = TwilioClient("AC08c29fd6c3a1aac12756ec979845976e", "40928fabee685ab82fa4136bc455cbbe")

s3 = boto3.client(
    "s3",
    aws_access_key_id="ASIAJA6GUICX7D6J2D44",
    aws_secret_access_key="+RgshxQQB42Q5uIBEnpe0CRGl2qdaMsdiUNkoxRp",
    aws_session_token="IQoJb3JpZ2luX2VjElORTFZ00SglIUnOJ0iOUwaruI9jaCDc1fHrgSf1iLqubjhkv4uSWuselEHtqiIFZ8Hpl5/je4YJ9mLyJWHk3lME4ZrvKKKTYfJIJgxQJP7lTBn9UTBj3MXbfY/TZ2Qcw8ABvja0IjTZ5XeUtGMoyLoNXqQeQeVCRncjrWIhCP6fVAzh9NvxmlKKa8X9jHPnZkmTzTFbgnGETXeIUNTKEQqZzQ+GUK7IOWTxC82uSS2QncZkt61pyLxZNG2zilm0myL1XCK52mpulQ5oBCPMNa8JMhEY0HaE1UY/aP/2both/0UEQkID5uj+xq3rs8Vg65iI7QvMEx/D+ewUaFzvF==",
)

wandb.login(key="20bd17d02834c642bb18eb95705382bf14a77f3e")
llm = openai.OpenAI(api_key="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")
claude = anthropic.Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])


def rotate_api_key(self, api_key: str) -> None:
    """Rotate the stored API key; the new key comes from the vault."""
    self._api_key_hash = hash_api_key(api_key)


def prompt_password():
    password = getpass.getpass("Password: ")
    return password


def fallback_client():
    return openai.OpenAI(api_key=os.environ.get("OPENAI_API_KEY"))
