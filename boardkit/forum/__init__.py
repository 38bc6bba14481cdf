"""The board forum and the residents' bulletin board (issue 17): threads and posts in sanitised
Markdown with mentions, files, edit history and deletion markers; flags and moderation;
notifications people control (all, mentions, a daily digest, off; content hidden in mails); and
a poster PDF of the bulletin board for the stairwell.
"""
