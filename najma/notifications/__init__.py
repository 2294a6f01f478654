"""In-app notifications: who is told what, the unread count in the header, the list page."""
