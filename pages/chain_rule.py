import streamlit as st
st.title("Chain rule")
