package tencentcloud

import "context"

// AccountUIN is the UIN of the account the connector's credentials belong to, from
// sts:GetCallerIdentity (which every identity may call). A run whose accounts file
// names the account's UIN checks it before it reads anything, so keys of another
// account never plan or apply a directory.
func (c *Connector) AccountUIN(ctx context.Context) (string, error) {
	cl, err := c.ConnectRegion(lockRegion)
	if err != nil {
		return "", err
	}
	return cl.accountUIN(ctx)
}
