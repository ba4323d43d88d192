"""The professional's pages: their patients, and declaring a consultation."""
