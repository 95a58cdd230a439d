"""Reports: census baseline, charts and the other adapters that present oversight figures."""
