// `Value` lives in the dependency-free QRunValue target so that the plugin wire types can share it;
// re-exported here so that every user of QRunCore sees it as before.
@_exported import QRunValue
