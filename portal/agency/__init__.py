"""The regional health agency's pages: adoption figures by territory and age band."""
