"""Pinecone: the hosted vector index behind the chatbot's retrieval."""

from changple_adapters.pinecone.index import PineconeVectorIndex

__all__ = ["PineconeVectorIndex"]
