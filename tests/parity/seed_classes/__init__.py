"""The network classes of the five tutorials in ../shared/seeds/, one module
each, copied from the tutorials' text with the indentation the blog lost
restored and nothing else changed (imports added at the top). The parity
suite checks the zoo against these very classes."""
