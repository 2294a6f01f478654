"""Field research: notes, revisions, comments, attachments, coding, the research plan,
coverage, intervention paths, search and the research dossier."""
