"""Local HTTP emulators of the outside providers (Gemini, OpenAI, Pinecone), written from the facts
in shared/PROVIDERS.md so the real SDKs can be exercised here. Tests and benchmarks both use them."""
