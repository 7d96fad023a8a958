# FAKE TEST DATA - generated credentials for scanner evaluation, none are real
from getpass import getpass

import replicate
import weaviate
from langchain_groq import ChatGroq
from langchain_openai import ChatOpenAI
from qdrant_client import QdrantClient
from tavily import TavilyClient
from weaviate.classes.init import Auth

tavily = TavilyClient(api_key="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")
llm = ChatOpenAI(model="gpt-4o-mini", openai_api_key="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", temperature=0)
fast = ChatGroq(model="llama-3.1-8b-instant", api_key="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")
wv = weaviate.connect_to_weaviate_cloud(
    cluster_url="https://acme-kb.c0.europe-west3.gcp.weaviate.cloud",
    auth_credentials=Auth.api_key("I2TmtnKlhMdOoibIHOZYPABRIZZiDe8DGXbHbCK3"),
)
qd = QdrantClient(url="https://qdrant.acme.io:6333", api_key="i7iXQd_FsnH0gLR9rTqxKmVATnVwMULqKA4_Gp")
rc = replicate.Client(api_token="r8_r0Cds3sum5lkNCsKpIQxi7MbdDOl23xhRbcG6")


def ask_for_key() -> str:
    return getpass("OpenAI key: ")
