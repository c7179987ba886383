"""Norm pages: which norms the knowledge base cites, and which resources cite a norm."""
