"""Administration pages (admin role only), one module and blueprint per area."""
