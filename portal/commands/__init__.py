"""The ``portal`` command's subcommands, one module per group: the web server (``server``),
the database and what runs on it (``data``), people (``people``), kiosk terminals
(``kiosk``), the audit trail (``trail``) and the master key (``keys``); what they share is
``common``. Each module has its handlers (``cmd_*``) and adds its subcommands to the
parser (``add_*``); ``portal.cli`` builds the parser and runs the command.
"""
