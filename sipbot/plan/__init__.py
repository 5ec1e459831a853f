"""The SIP plan: what the meeting agrees, in versions (model, rules, store). No channel."""
