// FAKE TEST DATA - generated credentials for scanner evaluation, none are real
const PPLX = atob("cHBseC10d2lQYndrblJ6TVNXdmRwM29KaWlOOVBEbllUZnQ2QU03S2J1SVh0VVMzOVVXcVE=");
const REPLICATE = Buffer.from("72385f65784c524d456f59335a4f424a42456d7342547652686771504c516449664b74306f685863", "hex").toString();
module.exports = { PPLX, REPLICATE };
