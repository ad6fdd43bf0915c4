// Neural
