"""The web portal: server-rendered pages for traders, officers and the public, served by the
same application as the API and calling the same service functions (an edge, like ``api``).
Every word on a page comes from the message catalogue, in the visitor's language."""
