"""Invitations: who is notified of a meeting and how (e-mail with a calendar invite, or a paper
letter), updates and cancellations, the "who gets what" plan shown before a mass send, and the
print batches of paper letters. Other domains use ``invitations.service``."""
