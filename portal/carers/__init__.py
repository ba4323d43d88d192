"""Carers and legal representatives: delegations a patient grants, and acting for someone."""
