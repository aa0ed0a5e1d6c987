package emulator

// modules lists every part of the API the emulator serves, one line each. The order is
// the order of asynchronous transitions within a region (a deleted cluster removes its
// pools before they advance) and of Tag service listings.
func modules() []module {
	return []module{
		vpcModule(),
		assistantCidrModule(),
		subnetModule(),
		securityGroupModule(),
		eipModule(),
		natGatewayModule(),
		peeringModule(),
		ccnModule(),
		routeTableModule(),
		clusterModule(),
		clusterSettingsModule(),
		clusterOptionsModule(),
		clusterEndpointModule(),
		nativeNodePoolModule(), // before nodePoolModule, whose pass joins every due instance
		superNodePoolModule(),
		nodeUpgradeModule(), // before nodePoolModule, whose pass joins reinstalled nodes
		nodePoolModule(),
		addonModule(),
		privateDNSModule(),
		asModule(),
		placementGroupModule(),
		tagModule(),
		tagKeyModule(),
		stsModule(),
		metadataModule(),
	}
}
