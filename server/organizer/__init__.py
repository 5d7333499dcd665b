"""What an organizer does: import attendees, hand out sign-in links, print badges and posters,
watch aggregate stats; and the server-rendered HTML pages (admin, public card, sign-in)."""
