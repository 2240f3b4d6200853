"""Streamlit UI pieces shared by the pages: state, words, maps, report tables."""
