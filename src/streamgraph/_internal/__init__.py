"""Helpers that libraries built on LangGraph import from ``langgraph._internal`` (LangChain's
``create_agent``, langgraph-supervisor, langgraph-swarm), so that they run unmodified on
streamgraph through ``streamgraph.compat``. Not a public API: use them from those libraries'
side only.
"""
