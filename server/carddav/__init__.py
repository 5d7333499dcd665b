"""The read-only CardDAV address book (DESIGN.md section 10): RFC 6352 on WebDAV (RFC 4918),
sync-collection (RFC 6578) and discovery (RFC 6764), so iPhone, Mac, Android (DAVx5) and
Thunderbird keep an attendee's contacts in their own address book, live.

`paths` lays out the tree and resolves a request path, `book` reads the members (the export's
own vCard texts) and the sync token (the owner's change feed), `props` says what each resource
answers, `methods` does PROPFIND, REPORT and GET and refuses writes, `davxml` reads request
bodies safely and writes multistatus answers, `setup` makes the Apple profile and DAVx5 link.
Nothing here knows HTTP: server/endpoints/dav.py is the thin layer over it.
"""
