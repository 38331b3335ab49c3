"""Content that employees share: job offers and company news, their targeting and imports."""
