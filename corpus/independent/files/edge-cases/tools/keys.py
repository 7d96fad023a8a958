# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
import base64

HF_TOKEN = base64.b64decode("aGZfUFlYSmdPSnV4akhKRldWWmJNZ2ZRUW1pVnNxbkdqYXJvdw==").decode()
GROQ_KEY = bytes.fromhex("67736b5f7a774672534774373249556b4a443453364f6349324a356838684b626b74555032353863794b4d5a4839734542636e6566483464").decode()
