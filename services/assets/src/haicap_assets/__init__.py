"""haicap_assets: public assets handed to the communes, and what becomes of them."""
