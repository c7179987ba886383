"""The public pages (/public/): what the office released, without login, and a feed."""
