"""Source kinds: one module per kind (rss, gdelt, reliefweb, telegram), each turning the bytes of
one fetch into `Entry` records, plus the helpers they share (text, URLs, dates, keys). Pure: no
network, no clock, no logs. The table of kinds is `monitor.kinds`."""
